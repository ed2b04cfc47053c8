import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { amiParameterName } from "../decisions/ami.ts";
import { EC2_ASSUME_ROLE, type ScaleOutPermissionsInput, workerPolicy } from "../decisions/iam.ts";
import {
  ALARM_PERIOD_SECONDS,
  BACKLOG_METRIC,
  BACKLOG_PER_WORKER_METRIC,
  instancesDistribution,
  LAUNCH_HOOK,
  TERMINATE_HOOK,
  WAKE_EXPRESSION,
} from "../decisions/scaling.ts";
import type { StoragePlan } from "../decisions/storage.ts";
import { type Tags, withName } from "../decisions/tags.ts";
import { packUserData } from "../user-data/cloud-config.ts";
import type { WorkersSettings } from "../workers-schema.ts";

/** Arguments for {@link WorkerGroup}. */
export interface WorkerGroupArgs {
  /** The group's fixed name ({@link workerGroupName}). */
  groupName: string;
  /** GPU types in fallback order; the group may launch any of them. */
  instanceTypes: string[];
  workers: WorkersSettings;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  securityGroupIds: pulumi.Input<string>[];
  /** The rendered cloud-init document (the component gzips it). */
  userData: pulumi.Input<string>;
  /** Where the weights go; an EBS plan adds a gp3 (optionally from snapshot) to every worker. */
  storage: StoragePlan;
  amiId?: string;
  rootVolumeGiB: number;
  /** CloudWatch namespace and `Stack` dimension of the backlog metrics. */
  metricsNamespace: string;
  stack: string;
  /** What the worker role reads and writes (its group ARN is added here). */
  permissions: pulumi.Input<ScaleOutPermissionsInput>;
  tags: Tags;
}

/**
 * GPU workers in an Auto Scaling group from a launch template (same boot script, IMDSv2 only,
 * encrypted volumes), mixed instances over the fallback types, optional spot above an on-demand
 * base, scaling to zero: target tracking on BacklogPerWorker plus an alarm for 0 -> 1 on Backlog.
 * Scale-in goes through a terminate lifecycle hook the worker completes after draining.
 */
export class WorkerGroup extends pulumi.ComponentResource {
  public readonly groupName: pulumi.Output<string>;
  public readonly groupArn: pulumi.Output<string>;

  constructor(name: string, args: WorkerGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("i2v:infra:WorkerGroup", name, {}, opts);
    const parent = { parent: this };
    const w = args.workers;
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: JSON.stringify(EC2_ASSUME_ROLE),
        description: "i2v worker: SSM session, ECR pull, queue URL, job objects, drain hook",
        tags: args.tags,
      },
      parent,
    );
    const profile = new aws.iam.InstanceProfile(
      `${name}-profile`,
      { role: role.name, tags: args.tags },
      parent,
    );
    const ami =
      args.amiId ?? aws.ssm.getParameterOutput({ name: amiParameterName(undefined) as string }, parent).value;
    const template = new aws.ec2.LaunchTemplate(
      `${name}-template`,
      {
        imageId: ami,
        iamInstanceProfile: { arn: profile.arn },
        vpcSecurityGroupIds: args.securityGroupIds,
        userData: pulumi.output(args.userData).apply(packUserData),
        updateDefaultVersion: true,
        // IMDSv2 only, hop limit 1: the host (and the runtime on the host network) reads credentials.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        blockDeviceMappings: [
          {
            deviceName: "/dev/sda1",
            ebs: {
              volumeType: "gp3",
              volumeSize: args.rootVolumeGiB,
              throughput: 250,
              iops: 3000,
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
          ...(args.storage.kind === "ebs"
            ? [
                {
                  deviceName: "/dev/sdf",
                  ebs: {
                    volumeType: "gp3",
                    volumeSize: args.storage.sizeGiB,
                    throughput: args.storage.throughputMiBps,
                    iops: args.storage.iops,
                    snapshotId: args.storage.snapshotId,
                    volumeInitializationRate: args.storage.initializationRateMiBps,
                    encrypted: "true",
                    deleteOnTermination: "true",
                  },
                },
              ]
            : []),
        ],
        tagSpecifications: [
          { resourceType: "instance", tags: withName(args.tags, args.groupName) },
          { resourceType: "volume", tags: withName(args.tags, args.groupName) },
        ],
        tags: args.tags,
      },
      parent,
    );
    const group = new aws.autoscaling.Group(
      `${name}-group`,
      {
        name: args.groupName,
        minSize: w.min,
        maxSize: w.max,
        vpcZoneIdentifiers: args.subnetIds,
        capacityRebalance: w.spot,
        // Seconds before a new worker's metrics count: model load and warm-up.
        defaultInstanceWarmup: 300,
        healthCheckGracePeriod: 900,
        enabledMetrics: ["GroupDesiredCapacity", "GroupInServiceInstances", "GroupPendingInstances"],
        metricsGranularity: "1Minute",
        mixedInstancesPolicy: {
          instancesDistribution: instancesDistribution(w),
          launchTemplate: {
            launchTemplateSpecification: { launchTemplateId: template.id, version: "$Latest" },
            overrides: args.instanceTypes.map((instanceType) => ({ instanceType })),
          },
        },
        // Created with the group, so no instance can launch (or leave) before the hooks exist.
        initialLifecycleHooks: [
          {
            name: TERMINATE_HOOK,
            lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
            heartbeatTimeout: w.drainTimeoutSeconds + 120,
            defaultResult: "CONTINUE",
          },
          ...(w.warmPool > 0
            ? [
                {
                  name: LAUNCH_HOOK,
                  lifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
                  heartbeatTimeout: 3600,
                  defaultResult: "ABANDON",
                },
              ]
            : []),
        ],
        warmPool:
          w.warmPool > 0
            ? { poolState: "Stopped", minSize: w.warmPool, instanceReusePolicy: { reuseOnScaleIn: true } }
            : undefined,
        tags: Object.entries(args.tags).map(([key, value]) => ({ key, value, propagateAtLaunch: false })),
      },
      // The policies own the desired capacity; `pulumi up` must not reset it.
      { parent: this, ignoreChanges: ["desiredCapacity"] },
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.id,
        policy: pulumi
          .all([pulumi.output(args.permissions), group.arn])
          .apply(([permissions, groupArn]) => JSON.stringify(workerPolicy({ ...permissions, groupArn }))),
      },
      parent,
    );
    const dimensions = [{ name: "Stack", value: args.stack }];
    new aws.autoscaling.Policy(
      `${name}-backlog-tracking`,
      {
        autoscalingGroupName: group.name,
        policyType: "TargetTrackingScaling",
        targetTrackingConfiguration: {
          targetValue: w.targetBacklogPerWorker,
          customizedMetricSpecification: {
            metricName: BACKLOG_PER_WORKER_METRIC,
            namespace: args.metricsNamespace,
            statistic: "Average",
            metricDimensions: dimensions,
          },
        },
      },
      parent,
    );
    const wake = new aws.autoscaling.Policy(
      `${name}-wake`,
      {
        autoscalingGroupName: group.name,
        policyType: "StepScaling",
        adjustmentType: "ChangeInCapacity",
        metricAggregationType: "Maximum",
        stepAdjustments: [{ metricIntervalLowerBound: "0", scalingAdjustment: 1 }],
      },
      parent,
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-wake-alarm`,
      {
        alarmDescription:
          "i2v: jobs wait and no worker exists; start one (target tracking cannot leave zero)",
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: "notBreaching",
        metricQueries: [
          {
            id: "backlog",
            metric: {
              metricName: BACKLOG_METRIC,
              namespace: args.metricsNamespace,
              period: ALARM_PERIOD_SECONDS,
              stat: "Maximum",
              dimensions: { Stack: args.stack },
            },
          },
          {
            id: "desired",
            metric: {
              metricName: "GroupDesiredCapacity",
              namespace: "AWS/AutoScaling",
              period: ALARM_PERIOD_SECONDS,
              stat: "Maximum",
              dimensions: { AutoScalingGroupName: args.groupName },
            },
          },
          { id: "wake", expression: WAKE_EXPRESSION, label: "wake from zero", returnData: true },
        ],
        alarmActions: [wake.arn],
        tags: args.tags,
      },
      parent,
    );

    this.groupName = group.name;
    this.groupArn = group.arn;
    this.registerOutputs({ groupName: this.groupName, groupArn: this.groupArn });
  }
}
