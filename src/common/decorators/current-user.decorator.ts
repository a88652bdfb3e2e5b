import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** Who made the request, as established by the access-token guard. */
export interface AuthUser {
  id: number;
  username: string;
  role: 'ADMIN' | 'USER';
  sessionId: number;
}

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthUser => ctx.switchToHttp().getRequest().user,
);
