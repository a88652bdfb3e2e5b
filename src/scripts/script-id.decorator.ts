import { IdParam } from '../common/decorators/id-param.decorator';
import { Errors } from '../common/error-codes';

/** The `scriptId` path parameter: anything but plain digits names no script (404, like an unknown id). */
export const ScriptId = () => IdParam({ name: 'scriptId', notFound: Errors.SCRIPT_NOT_FOUND });
