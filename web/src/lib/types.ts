/** The API's shapes, as the dashboard reads them (Swagger at /docs has the full descriptions). */
export interface User {
  id: number;
  role: 'ADMIN' | 'USER';
  username: string;
  name: string;
  phone: string;
  isDisable: number;
  createdAt?: string;
}

export interface StackService {
  name: string;
  image: string;
  mode: string;
  running: number;
  desired: number;
}

export interface StackState {
  deployed: boolean;
  services: StackService[];
}

export interface Deployment {
  id: number;
  scriptId: number | null;
  serviceName: string;
  action: 'create' | 'remove' | 'update' | 'adopt' | string;
  trigger: string;
  image: string | null;
  tag: string | null;
  digest: string | null;
  previousImage: string | null;
  source: string | null;
  services: string[] | null;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'rolled_back' | 'superseded' | 'interrupted' | string;
  error: string | null;
  errorCode: number | null;
  lineCount: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  output?: string[];
}

export interface Script {
  id: number;
  serviceName: string;
  dockerComposeContent: string;
  isAutoUpdate: number;
  autoUpdateUrl: string | null;
  tagPolicy: string;
  requireSignature: boolean;
  hasSigningSecret: boolean;
  userId: number;
  images: Array<{ service: string; image: string; repository: string }>;
  createdAt: string;
  updatedAt: string;
  stack?: StackState | null;
  stackError?: string | null;
  lastDeployment?: Deployment | null;
}

export interface RegistryCredential {
  id: number;
  host: string;
  username: string;
  shared: boolean;
  savedBy: string;
  createdAt: string;
  updatedAt: string;
  lastUsedAt: string | null;
  lastUseOk: boolean | null;
  lastUseError: string | null;
}

export interface StackSecret {
  name: string;
  createdAt: string;
  updatedAt: string;
  deploymentId?: number | null;
}

export interface Channel {
  id: number;
  name: string;
  type: 'dingtalk' | 'wecom' | 'feishu' | 'slack' | 'email' | 'webhook';
  language: 'zh' | 'en';
  events: string[];
  isDefault: boolean;
  scriptIds: number[];
  target: string;
  hasSecret: boolean;
  email: { host: string; port: number; security: 'tls' | 'starttls' | 'none'; username: string | null; hasPassword: boolean; from: string; to: string[] } | null;
  createdAt: string;
  updatedAt: string;
}

export interface Delivery {
  id: number;
  deploymentId: number;
  stack: string;
  event: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'collapsed';
  attempts: number;
  repeats: number;
  recovered: boolean;
  response: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  sentAt: string | null;
}

export type WebhookDecision =
  | 'deployed' | 'duplicate' | 'refused_by_policy' | 'ignored' | 'no_match' | 'auto_update_off'
  | 'bad_token' | 'bad_signature' | 'signature_required' | 'invalid_payload' | 'failed';

/** One registry push as the webhook received it, and what came of it. */
export interface WebhookDelivery {
  id: number;
  receivedAt: string;
  source: string | null;
  deliveryId: string | null;
  proof: 'signature' | 'header' | 'token' | 'missing' | 'invalid';
  repository: string | null;
  tag: string | null;
  digest: string | null;
  decision: WebhookDecision;
  reason: string | null;
  deploymentId: number | null;
  deploymentStatus: Deployment['status'] | null;
  httpStatus: number;
  code: number;
  payload: string | null;
}
