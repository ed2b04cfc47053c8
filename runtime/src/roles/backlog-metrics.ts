import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { Logger } from "pino";
import type { JobQueuePort } from "../queue/port.ts";

/** The Auto Scaling group's target tracking reads these (docs/infra.md); every 10 s, as agreed. */
export const BACKLOG_PERIOD_MS = 10_000;

/** The two figures published each period: their names are the scaling policy's contract. */
export function backlogFigures(counts: { waiting: number; running: number; workers: number }) {
  const backlog = counts.waiting + counts.running;
  return { Backlog: backlog, BacklogPerWorker: backlog / Math.max(1, counts.workers) };
}

/**
 * Publishes `Backlog` = waiting + active and `BacklogPerWorker` = Backlog / max(1, workers in
 * service) to CloudWatch, dimension `Stack`. The client takes the SDK's own configuration
 * (credential chain, AWS_REGION, AWS_ENDPOINT_URL_CLOUDWATCH or AWS_ENDPOINT_URL).
 */
export class BacklogMetrics {
  private readonly client = new CloudWatchClient({});
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: JobQueuePort,
    private readonly options: { namespace: string; stack: string; periodMs?: number },
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(
      () =>
        void this.publish().catch((error) =>
          this.logger.warn({ err: error }, "backlog metrics not published"),
        ),
      this.options.periodMs ?? BACKLOG_PERIOD_MS,
    );
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One PutMetricData with both figures; returns them (tests compare with what CloudWatch stored). */
  async publish(now = new Date()): Promise<ReturnType<typeof backlogFigures>> {
    const figures = backlogFigures(await this.queue.counts());
    const dimensions = [{ Name: "Stack", Value: this.options.stack }];
    await this.client.send(
      new PutMetricDataCommand({
        Namespace: this.options.namespace,
        MetricData: Object.entries(figures).map(([name, value]) => ({
          MetricName: name,
          Value: value,
          Unit: "Count",
          Timestamp: now,
          Dimensions: dimensions,
        })),
      }),
    );
    return figures;
  }
}
