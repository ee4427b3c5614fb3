/** A listener could not bind because its port is taken; the message says what to do. */
export class PortInUseError extends Error {
  readonly code = 'port_in_use';
  constructor(
    /** Which listener: `mqtt`, `cloud http`, `edge http`. */
    readonly listener: string,
    /** The port that was taken. */
    readonly port: number,
    /** The command-line flag that moves it. */
    readonly flag: string,
  ) {
    super(
      `port ${port} for the ${listener} listener is already in use${port === 1883 ? ' (often a local Mosquitto broker)' : ''}.\n` +
        `  Start on another port:  npm start -- ${flag} ${port === 1883 ? 18830 : port + 10}\n` +
        `  or stop whatever holds it (see: ss -ltnp 'sport = :${port}').`,
    );
    this.name = 'PortInUseError';
  }
}

/** True if `error` is Node's EADDRINUSE. */
export function isAddressInUse(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === 'EADDRINUSE';
}
