import type { AuthUser } from '../common/decorators/current-user.decorator';
import { Page } from '../common/dto/page.dto';
import type { ScriptDetailDto, ScriptDto, ScriptQueryDto } from '../scripts/dto/script.dto';
import type { ScriptsService } from '../scripts/scripts.service';
import type { StackStates } from '../scripts/stack-states';
import type { DeploymentsService } from './deployments.service';
import type { Deployment } from './entities/deployment.entity';
import { ScriptOverviews } from './script-overviews';

const user = { id: 3, role: 'USER' } as AuthUser;
const script = (id: number) => ({ id, userId: 3, serviceName: `s${id}` }) as ScriptDto;
const deployment = (id: number, scriptId: number) =>
  ({ id, scriptId, userId: 3, serviceName: `s${scriptId}`, action: 'create', trigger: 'manual', status: 'succeeded', output: 'secret\nlines', lineCount: 2 }) as Deployment;
const query = (state?: boolean) => ({ pageNumber: 1, pageSize: 20, state }) as ScriptQueryDto;
const page = Page.of([script(9), script(8), script(7)], 3, query());

/** Only what each case may call exists: any other call fails the test. */
function overviews(scripts: Partial<ScriptsService>, stackStates: Partial<StackStates> = {}, deployments: Partial<DeploymentsService> = {}) {
  return new ScriptOverviews(scripts as ScriptsService, stackStates as StackStates, deployments as DeploymentsService);
}

describe('ScriptOverviews', () => {
  it('answers a list without ?state=true exactly as ScriptsService does, asking neither docker nor the history', async () => {
    await expect(overviews({ list: async () => page }).list(user, query())).resolves.toBe(page);
    await expect(overviews({ list: async () => page }).list(user, query(false))).resolves.toBe(page);
  });

  it('adds to a page every stack from one read and every last deployment from one query', async () => {
    const forPage = jest.fn(async (scripts: { serviceName: string }[]) => scripts.map((s) => ({ stack: { deployed: s.serviceName !== 's8', services: [] }, stackError: null })));
    const lastOf = jest.fn(async () => new Map([[9, deployment(41, 9)], [7, deployment(40, 7)]]));
    const result = await overviews({ list: async () => page }, { forPage }, { lastOf }).list(user, query(true));
    expect(forPage.mock.calls).toEqual([[page.content]]);
    expect(lastOf.mock.calls).toEqual([[3, [9, 8, 7]]]);
    expect(result).toMatchObject({ totalElements: 3, pageNumber: 1, pageSize: 20 });
    expect(result.content).toEqual([
      { ...script(9), stack: { deployed: true, services: [] }, stackError: null, lastDeployment: expect.objectContaining({ id: 41, scriptId: 9 }) },
      { ...script(8), stack: { deployed: false, services: [] }, stackError: null, lastDeployment: null },
      { ...script(7), stack: { deployed: true, services: [] }, stackError: null, lastDeployment: expect.objectContaining({ id: 40, scriptId: 7 }) },
    ]);
    // A DEPLOYMENT, without output or owner.
    const { lastDeployment } = result.content[0] as { lastDeployment: object };
    expect(lastDeployment).not.toHaveProperty('output');
    expect(lastDeployment).not.toHaveProperty('userId');
  });

  it("adds the script's last deployment to its detail", async () => {
    const detail = { ...script(9), stack: null, stackError: 'down' } as ScriptDetailDto;
    const lastOf = jest.fn(async () => new Map([[9, deployment(41, 9)]]));
    const result = await overviews({ detail: async () => detail }, {}, { lastOf }).detail(user, 9);
    expect(lastOf.mock.calls).toEqual([[3, [9]]]);
    expect(result).toEqual({ ...detail, lastDeployment: expect.objectContaining({ id: 41, status: 'succeeded' }) });
    expect(result.lastDeployment).not.toHaveProperty('output');
    const none = await overviews({ detail: async () => detail }, {}, { lastOf: async () => new Map() }).detail(user, 9);
    expect(none.lastDeployment).toBeNull();
  });
});
