import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { AppError } from '../common/app-error';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { IS_PUBLIC } from '../common/decorators/public.decorator';
import { ROLES } from '../common/decorators/roles.decorator';
import { Errors } from '../common/error-codes';
import type { Role } from '../users/entities/user.entity';

/** Global, default-deny: every route needs a valid access token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    return isPublic ? true : super.canActivate(context);
  }

  handleRequest<TUser>(err: unknown, user: TUser): TUser {
    if (err instanceof AppError) throw err;
    if (err || !user) throw new AppError(Errors.UNAUTHENTICATED);
    return user;
  }
}

/** Runs after JwtAuthGuard; enforces @Roles(). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[]>(ROLES, [context.getHandler(), context.getClass()]);
    if (!roles?.length) return true;
    const user = context.switchToHttp().getRequest().user as AuthUser | undefined;
    if (!user || !roles.includes(user.role)) throw new AppError(Errors.FORBIDDEN);
    return true;
  }
}
