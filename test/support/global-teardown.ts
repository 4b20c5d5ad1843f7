/** Services are left running on purpose: they belong to the machine (or to scripts/services.sh), not to one test run. */
export default async function globalTeardown(): Promise<void> {}
