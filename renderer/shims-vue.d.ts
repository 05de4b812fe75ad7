/**
 * Type of `.vue` imports for tools that see them through plain TypeScript (typed linting, the
 * root `tsc` program of the tests). vue-tsc resolves the real components and ignores this.
 */
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
