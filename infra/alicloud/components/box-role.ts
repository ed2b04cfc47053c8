import * as alicloud from "@pulumi/alicloud";
import * as pulumi from "@pulumi/pulumi";
import type { Tags } from "../../decisions/tags.ts";
import { type BoxGrants, boxRamPolicy, ECS_TRUST_POLICY } from "../ram-policy.ts";

/** Arguments for {@link BoxRole}. */
export interface BoxRoleArgs {
  /** RAM role name, unique per account. */
  roleName: string;
  /** What the box may read (see {@link boxRamPolicy}); resolved once the account id is known. */
  grants: pulumi.Input<BoxGrants>;
  tags: Tags;
}

/** The instance's RAM role: trusted by ECS, one custom policy, no system policies. */
export class BoxRole extends pulumi.ComponentResource {
  public readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: BoxRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:alicloud:BoxRole", name, {}, opts);
    const role = new alicloud.ram.Role(
      `${name}-role`,
      {
        roleName: args.roleName,
        assumeRolePolicyDocument: JSON.stringify(ECS_TRUST_POLICY),
        description: "i2v GPU box: ACR pull from one repository, the stack's secret parameters",
        tags: args.tags,
      },
      { parent: this },
    );
    const policy = new alicloud.ram.Policy(
      `${name}-policy`,
      {
        policyName: `${args.roleName}-policy`,
        policyDocument: pulumi.output(args.grants).apply((grants) => JSON.stringify(boxRamPolicy(grants))),
        description: "i2v GPU box, least privilege",
        tags: args.tags,
      },
      { parent: this },
    );
    new alicloud.ram.RolePolicyAttachment(
      `${name}-attachment`,
      { roleName: role.roleName, policyName: policy.policyName, policyType: "Custom" },
      { parent: this },
    );
    this.roleName = role.roleName;
    this.registerOutputs({ roleName: this.roleName });
  }
}
