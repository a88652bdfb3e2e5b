import { buildClusterImages } from './images';

/** Builds the images every cluster file runs (app, MariaDB), failing at once with what to install. */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  buildClusterImages();
  console.log(`\ncluster images built in ${Math.round((Date.now() - started) / 1000)} s`);
}
