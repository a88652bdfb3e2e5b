import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every *.controller.ts under src/. */
function controllerFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return controllerFiles(path);
    return entry.name.endsWith('.controller.ts') ? [path] : [];
  });
}

/**
 * Nest answers a POST 201 unless told otherwise; this API answers every success 200 (docs/api.md, and
 * the OpenAPI document says 200), so each POST handler sets @HttpCode(200).
 */
describe('POST routes', () => {
  const handlers = controllerFiles(__dirname).flatMap((file) =>
    Object.values(require(file) as Record<string, unknown>)
      .filter((value): value is { prototype: object; name: string } => typeof value === 'function' && Reflect.hasMetadata(PATH_METADATA, value))
      .flatMap((controller) =>
        Object.getOwnPropertyNames(controller.prototype).map((name) => ({
          route: `${relative(__dirname, file)} ${controller.name}.${name}`,
          handler: (controller.prototype as Record<string, unknown>)[name],
        })),
      )
      .filter(({ handler }) => typeof handler === 'function' && Reflect.getMetadata(METHOD_METADATA, handler) === RequestMethod.POST),
  );

  it('are found', () => {
    expect(handlers.length).toBeGreaterThan(5);
  });

  it('answer 200, not Nest’s default 201', () => {
    const not200 = handlers.filter(({ handler }) => Reflect.getMetadata(HTTP_CODE_METADATA, handler as object) !== 200).map(({ route }) => route);
    expect(not200).toEqual([]);
  });
});
