// The one place the alicloud tests meet the shared Pulumi mock engine (whose `default` branches
// delegate to infra/alicloud/preview-mocks.ts). When the engine moves (the offline preview's
// infra/preview/mock-engine.ts), only these two lines change.
export type { ListedResource as RecordedResource } from "../../preview/listing.ts";
export { installMocks, MOCK_TOKEN, resolved, settle } from "../../preview/mock-engine.ts";
