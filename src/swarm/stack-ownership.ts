/**
 * Who a stack on the swarm belongs to, recorded on the swarm itself: every service this control
 * plane deploys carries these labels, so a second installation (or a restored one with a new
 * database) never mistakes a stack it did not deploy for its own.
 */
export const OWNER_LABELS = {
  /** This installation's random id (the `installation` table). */
  installation: 'dds.installation',
  /** The id of the script whose stack it is. */
  script: 'dds.script',
  /** The id of the user who owns that script (on volumes too, which outlive their stack). */
  owner: 'dds.owner',
  /** On stack secrets: the secret's name in the compose file. */
  secret: 'dds.secret',
} as const;

export type Labels = Record<string, string>;

/** A labelled swarm object of a stack (a service, or a volume on this node). */
export interface LabelledResource {
  name: string;
  labels: Labels;
}

export interface StackResources {
  services: LabelledResource[];
  /** Volumes of the stack on this node only: `docker volume ls` sees no further. */
  volumes: LabelledResource[];
}

export interface StackClaim {
  installation: string;
  /** Undefined while the script is not saved yet (a new script claims only a free name). */
  scriptId?: number;
  ownerId: number;
}

/** The verdict, with the names of the stack's services it read. */
export type Ownership = { kind: 'absent' } | { kind: 'owned'; services: string[] } | { kind: 'foreign'; reason: string; services: string[] };

const describe = (r: LabelledResource, claim: StackClaim): string => {
  const installation = r.labels[OWNER_LABELS.installation];
  if (!installation) return `${r.name} (deployed outside this service)`;
  if (installation !== claim.installation) return `${r.name} (deployed by another installation of this service)`;
  const script = r.labels[OWNER_LABELS.script];
  return script ? `${r.name} (belongs to script ${script})` : `${r.name} (belongs to another user)`;
};

/**
 * Whether `claim` may act on a stack with these resources. Services decide while there are any: they
 * must all carry this installation and this script. A stack with no services may still have volumes
 * (`docker stack rm` keeps them, with their data): those must be this installation's and this user's.
 */
export function judgeOwnership(stack: string, resources: StackResources, claim: StackClaim): Ownership {
  const { services, volumes } = resources;
  if (services.length) {
    const names = services.map((s) => s.name);
    const foreign = services.filter(
      (s) =>
        s.labels[OWNER_LABELS.installation] !== claim.installation ||
        claim.scriptId === undefined ||
        s.labels[OWNER_LABELS.script] !== String(claim.scriptId),
    );
    if (!foreign.length) return { kind: 'owned', services: names };
    return { kind: 'foreign', services: names, reason: `stack ${stack} runs services that are not this script's: ${foreign.slice(0, 5).map((s) => describe(s, claim)).join(', ')}` };
  }
  const foreignVolumes = volumes.filter(
    (v) => v.labels[OWNER_LABELS.installation] !== claim.installation || v.labels[OWNER_LABELS.owner] !== String(claim.ownerId),
  );
  if (foreignVolumes.length) {
    return { kind: 'foreign', services: [], reason: `stack ${stack} left volumes that are not yours: ${foreignVolumes.slice(0, 5).map((v) => describe(v, claim)).join(', ')}` };
  }
  return { kind: 'absent' };
}
