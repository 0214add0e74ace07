export { LocalCloudWatch, LOCAL_CREDENTIALS, LOCAL_REGION, type LocalCloudWatchOptions } from './LocalCloudWatch';
export {
  FrontDoor,
  STORED_PATH,
  EXTRACTOR_USER_AGENT,
  type Fault,
  type Quota,
  type FrontDoorOptions,
  type RecordedRequest,
  type StoredPut,
} from './FrontDoor';
export { MotoServer } from './MotoServer';
export { MOTO_VERSION, MotoUnavailableError, motoCommand, type ProvisionOptions } from './provisionMoto';
export {
  validatePutMetricData,
  CLOUDWATCH_UNITS,
  type Violation,
  type ValidationOptions,
} from './validatePutMetricData';
export { verifySigV4, type Credentials, type ReceivedRequest, type SignatureCheck } from './verifySigV4';
export {
  readStatistics,
  readMany,
  listMetrics,
  toDimensions,
  type MetricQuery,
  type SeriesStatistics,
} from './readBack';
export { useLocalCloudWatch } from './useLocalCloudWatch';
export {
  readLocalCloudWatch,
  formatRead,
  fetchStored,
  readWindow,
  type ReadOptions,
  type ReadResult,
} from './readCommand';
export {
  foldListed,
  collectStored,
  buildReport,
  percentile,
  formatTable,
  formatJson,
  type SeriesId,
  type SeriesData,
  type SeriesRow,
  type Window,
} from './series';
export { LocalLambda, type Invocation, type LocalLambdaOptions, type LocalLambdaShutdown } from './LocalLambda';
export { EmfExtractor, type EmfRefusal } from './EmfExtractor';
export {
  readEmfLine,
  MAX_EMF_EVENT_BYTES,
  type EmfLine,
  type ExtractedDatum,
  type ExtractedDirective,
} from './validateEmf';
