import { FindOperator, Raw } from 'typeorm';
import { Renewal } from './stack-lock-lease';

/*
 * On MySQL a running deployment carries the lease of its stack lock in deployments.lease_expires_at,
 * on the database's UTC clock (so the instances' clocks do not matter): set when it is claimed, renewed
 * on the lock's connection (see LeasedStackLock). Until it ends, the instance running the deployment
 * may be taking its lock again after a database restart: recovery leaves the row alone.
 */

/** The lease's end, `seconds` from now, for an UPDATE (TypeORM's raw value). */
export function leaseFromNow(seconds: number): () => string {
  return () => `UTC_TIMESTAMP(3) + INTERVAL ${Math.trunc(seconds)} SECOND`;
}

/** Renews the lease of running deployment `id`; changes no row once it is no longer running. */
export function leaseRenewal(id: number, seconds: number): Renewal {
  return { sql: "UPDATE deployments SET lease_expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND WHERE id = ? AND status = 'running'", params: [Math.trunc(seconds), id] };
}

/** Rows whose lease has ended (or that never had one: claimed before leases, or on SQLite). */
export function leaseEnded(): FindOperator<Date> {
  return Raw((column) => `(${column} IS NULL OR ${column} < UTC_TIMESTAMP(3))`);
}
