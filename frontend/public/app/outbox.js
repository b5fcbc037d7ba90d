// Reports made offline, kept on the device until the connection returns.
// (Built by the report journey.)

export async function flush() {}
