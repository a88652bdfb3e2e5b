import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { Deployment, isFinished } from './entities/deployment.entity';

/** The envelope error a finished, unsuccessful deployment answers with; null on success or while unfinished. */
export function deploymentError(d: Deployment, data: unknown): AppError | null {
  if (d.status === 'succeeded' || !isFinished(d.status)) return null;
  const byCode = Object.values(Errors).find((e) => e.code === d.errorCode);
  const fallback =
    d.status === 'rolled_back' ? Errors.DEPLOYMENT_ROLLED_BACK
    : d.status === 'superseded' ? Errors.DEPLOYMENT_SUPERSEDED
    : d.status === 'interrupted' ? Errors.DEPLOYMENT_INTERRUPTED
    : Errors.DEPLOYMENT_FAILED;
  const detail = d.error ? { zh: d.error, en: d.error } : undefined;
  return new AppError(byCode ?? fallback, detail, data);
}
