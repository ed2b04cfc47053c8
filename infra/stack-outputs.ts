import type * as pulumi from "@pulumi/pulumi";

/** What `pulumi up` prints and `pulumi stack output` returns. */
export interface StackOutputs {
  endpointUrl: pulumi.Output<string>;
  instanceId: pulumi.Output<string>;
  availabilityZone: pulumi.Output<string>;
  placement: string;
  candidates: string[];
  imageUri: pulumi.Output<string>;
  repositoryUrl: pulumi.Output<string> | undefined;
  apiToken: pulumi.Output<string> | undefined;
  tokenParameterName: pulumi.Output<string> | undefined;
  sessionCommand: pulumi.Output<string>;
  tunnelCommand: pulumi.Output<string>;
  bootLogCommand: pulumi.Output<string>;
  smokeCommand: pulumi.Output<string>;
  /** The stack CA's certificate (PEM): what clients pin to trust the endpoint. */
  caCertificate: pulumi.Output<string>;
  /** Scale-out only: the workers' Auto Scaling group, the job bucket, the queue's endpoint. */
  workerGroupName?: pulumi.Output<string>;
  jobBucket?: pulumi.Output<string>;
  queueEndpoint?: pulumi.Output<string>;
}

/** Names the stack needs from Pulumi's context; passed in so tests can vary them. */
export interface StackContext {
  project: string;
  stack: string;
}
