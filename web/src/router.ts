import { createRouter, createWebHistory, RouteRecordRaw } from 'vue-router';
import { auth } from './lib/api';

// The server answers these paths with the dashboard (DASHBOARD_PAGES in src/dashboard/dashboard.ts lists them too).
const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/scripts' },
  { path: '/login', component: () => import('./pages/LoginPage.vue'), meta: { public: true } },
  { path: '/scripts', component: () => import('./pages/ScriptsPage.vue') },
  { path: '/scripts/new', component: () => import('./pages/ScriptEditPage.vue') },
  { path: '/scripts/:id(\\d+)', component: () => import('./pages/ScriptPage.vue'), props: true },
  { path: '/scripts/:id(\\d+)/edit', component: () => import('./pages/ScriptEditPage.vue'), props: true },
  { path: '/deployments', component: () => import('./pages/DeploymentsPage.vue') },
  { path: '/deployments/:id(\\d+)', component: () => import('./pages/DeploymentPage.vue'), props: true },
  { path: '/registries', component: () => import('./pages/RegistriesPage.vue') },
  { path: '/channels', component: () => import('./pages/ChannelsPage.vue') },
  { path: '/users', component: () => import('./pages/UsersPage.vue'), meta: { admin: true } },
  { path: '/:rest(.*)*', redirect: '/scripts' },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach((to) => {
  if (!to.meta.public && !auth.session) return { path: '/login', query: to.fullPath !== '/scripts' ? { next: to.fullPath } : {} };
  if (to.meta.admin && auth.session?.role !== 'ADMIN') return '/scripts';
  return true;
});
