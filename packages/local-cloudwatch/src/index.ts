export { LocalCloudWatch, LOCAL_CREDENTIALS, LOCAL_REGION, type LocalCloudWatchOptions } from './LocalCloudWatch';
export { FrontDoor, type Fault, type FrontDoorOptions, type RecordedRequest } from './FrontDoor';
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
export { LocalLambda, type Invocation, type LocalLambdaOptions, type LocalLambdaShutdown } from './LocalLambda';
