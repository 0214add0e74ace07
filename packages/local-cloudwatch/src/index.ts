export { LocalCloudWatch, LOCAL_CREDENTIALS, LOCAL_REGION, type LocalCloudWatchOptions } from './LocalCloudWatch';
export {
  FrontDoor,
  STORED_PATH,
  OTLP_METRICS_PATH,
  OTLP_STORED_PATH,
  EXTRACTOR_USER_AGENT,
  CBOR_PATH_PREFIX,
  type WireProtocol,
  type Fault,
  type Quota,
  type FrontDoorOptions,
  type RecordedRequest,
  type StoredPut,
  type StoredOtlp,
} from './FrontDoor';
export { decodeCbor, CborDecodeError, CborFloat, CborTimestamp, MAX_CBOR_DEPTH, type CborValue } from './decodeCbor';
export { putMetricDataInputOf } from './cborPutMetricDataInput';
export { decodeOtlpMetrics, OtlpDecodeError, type OtlpFormat } from './decodeOtlpMetrics';
export { OTLP_LIMITS, validateOtlpMetrics } from './validateOtlpMetrics';
export { otlpPointsOf, type OtlpPoint } from './otlpPoints';
export type {
  OtlpMetricsRequest,
  OtlpResourceMetrics,
  OtlpScopeMetrics,
  OtlpMetric,
  OtlpMetricType,
  OtlpTemporality,
  OtlpDataPoint,
  OtlpNumberPoint,
  OtlpHistogramPoint,
  OtlpExponentialHistogramPoint,
  OtlpSummaryPoint,
  OtlpBuckets,
  OtlpExemplar,
  OtlpAttributes,
  OtlpValue,
} from './OtlpMetricsRequest';
export { MotoServer } from './MotoServer';
export { MOTO_VERSION, MotoUnavailableError, motoCommand, type ProvisionOptions } from './provisionMoto';
export {
  validatePutMetricData,
  CLOUDWATCH_UNITS,
  type Violation,
  type ValidationOptions,
} from './validatePutMetricData';
export {
  verifySigV4,
  type Credentials,
  type ReceivedRequest,
  type SignatureCheck,
  type VerifyOptions,
} from './verifySigV4';
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
