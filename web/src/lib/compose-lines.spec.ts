import { lineOfKey, problemsFromApi, yamlProblems } from './compose-lines';

const COMPOSE = ['services:', '  web:', '    image: nginx:1.27', '    privileged: true', '    ports:', '      - "8080:80"', '  a.b:', '    image: x', ''].join('\n');

describe('compose line marks', () => {
  it('finds the line of a key path, including keys with dots and list items', () => {
    expect(lineOfKey(COMPOSE, 'services.web.privileged')).toBe(4);
    expect(lineOfKey(COMPOSE, 'services.web.ports.0')).toBe(6);
    expect(lineOfKey(COMPOSE, 'services.web.ports[0]')).toBe(6);
    expect(lineOfKey(COMPOSE, 'services.a.b.image')).toBe(8);
  });

  it('falls back to the deepest key that exists, and to null when none does', () => {
    expect(lineOfKey(COMPOSE, 'services.web.deploy.replicas')).toBe(2);
    expect(lineOfKey(COMPOSE, 'volumes.data')).toBeNull();
  });

  it('reports YAML syntax errors with their 1-based position', () => {
    const [problem] = yamlProblems('services:\n  web:\n    image: [unclosed\n');
    expect(problem.line).toBeGreaterThanOrEqual(3);
    expect(problem.message).not.toBe('');
    expect(yamlProblems(COMPOSE)).toEqual([]);
  });

  it("turns the API's error data into marks", () => {
    expect(problemsFromApi(COMPOSE, 40021, 'not YAML', { line: 3, column: 5 })).toEqual([{ line: 3, column: 5, message: 'not YAML' }]);
    expect(problemsFromApi(COMPOSE, 40028, 'too deep', { line: 4, column: 9 })).toEqual([{ line: 4, column: 9, message: 'too deep' }]);
    expect(problemsFromApi(COMPOSE, 40025, 'policy', { violations: [{ key: 'services.web.privileged', reason: 'gives root on the host' }] })).toEqual([
      { line: 4, column: 1, message: 'services.web.privileged: gives root on the host' },
    ]);
    expect(problemsFromApi(COMPOSE, 40024, 'docker refused: services.web Additional property foo is not allowed', undefined)[0].line).toBe(2);
    expect(problemsFromApi(COMPOSE, 40000, 'Validation failed', ['x'])).toEqual([]);
  });
});
