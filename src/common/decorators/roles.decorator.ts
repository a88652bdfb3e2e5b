import { SetMetadata } from '@nestjs/common';
import type { Role } from '../../users/entities/user.entity';

export const ROLES = 'roles';
/** Restricts a route to the given roles (checked by RolesGuard after authentication). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);
