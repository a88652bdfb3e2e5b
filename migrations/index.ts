import { CreateUsersAndSessions1764000000000 } from './1764000000000-CreateUsersAndSessions';
import { CreateScripts1764000100000 } from './1764000100000-CreateScripts';
import { CreateDeployments1764000300000 } from './1764000300000-CreateDeployments';
import { AddTenancy1764000400000 } from './1764000400000-AddTenancy';
import { AddRegistryCredentials1764000500000 } from './1764000500000-AddRegistryCredentials';
import { AddNotifications1764000600000 } from './1764000600000-AddNotifications';
import { AddWebhookDeliveries1764000700000 } from './1764000700000-AddWebhookDeliveries';
import { AddWebhookProof1764000800000 } from './1764000800000-AddWebhookProof';
import { AddRateLimitCounters1764000900000 } from './1764000900000-AddRateLimitCounters';
import { AddDeploymentLease1764001000000 } from './1764001000000-AddDeploymentLease';

/** Every migration, in order. Listed explicitly so ts-jest and the compiled app load the same set. */
export const ALL_MIGRATIONS = [
  CreateUsersAndSessions1764000000000,
  CreateScripts1764000100000,
  CreateDeployments1764000300000,
  AddTenancy1764000400000,
  AddRegistryCredentials1764000500000,
  AddNotifications1764000600000,
  AddWebhookDeliveries1764000700000,
  AddWebhookProof1764000800000,
  AddRateLimitCounters1764000900000,
  AddDeploymentLease1764001000000,
];
