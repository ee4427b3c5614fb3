import type { Reading } from '@fieldproof/protocol';
import type ModbusRTU from 'modbus-serial';
import { attestSample } from '../attest-sample.ts';
import type { ModbusDevice } from '../config.ts';
import type { AcquisitionDeviceStatus, EdgeContext, EdgeExtension } from '../context.ts';

type Register = ModbusDevice['registers'][number];

/**
 * Decode one register value: 16-bit types from one word, 32-bit ones from two in the configured
 * word order, then raw × scale + offset, rounded to 15 significant digits so that a scale like
 * 0.1 does not leak binary noise (0.30000000000000004) into signed frames.
 */
export function decodeRegister(register: Register, words: readonly number[]): number {
  const [first = 0, second = 0] = words;
  const [high, low] = register.wordOrder === 'big' ? [first, second] : [second, first];
  const bytes = Buffer.alloc(4);
  bytes.writeUInt16BE(high & 0xffff, 0);
  bytes.writeUInt16BE(low & 0xffff, 2);
  let raw: number;
  switch (register.type) {
    case 'uint16':
      raw = first & 0xffff;
      break;
    case 'int16':
      raw = ((first & 0xffff) << 16) >> 16;
      break;
    case 'uint32':
      raw = bytes.readUInt32BE(0);
      break;
    case 'int32':
      raw = bytes.readInt32BE(0);
      break;
    case 'float32':
      raw = bytes.readFloatBE(0);
      break;
  }
  return Number.parseFloat((raw * register.scale + register.offset).toPrecision(15));
}

/** Words a register spans. */
function wordCount(register: Register): number {
  return register.type === 'uint16' || register.type === 'int16' ? 1 : 2;
}

/** Reject after `timeoutMs`, so a device that stops answering mid-request cannot stall its poll loop. */
function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Modbus TCP acquisition: polls each configured keyless device every `intervalMs`, reading its
 * register map (holding or input registers; 16- and 32-bit integers and float32 in either word
 * order; scaled) into one edge-attested frame per poll. Each device has its own loop and
 * connection: a device that is down, refuses or times out (`pollTimeoutMs`) is counted in the
 * edge status and retried with backoff from `retryBaseMs` doubling to `retryMaxMs`, reconnecting
 * from scratch; it never stops the gateway or the other devices.
 */
export function createModbusPollExtension(
  context: EdgeContext,
): EdgeExtension & { status(): Record<string, AcquisitionDeviceStatus>; pollNow(): Promise<void> } {
  const { config, log } = context;
  const statuses = new Map<string, AcquisitionDeviceStatus>();
  const loops: { stop(): Promise<void>; pollNow(): Promise<void> }[] = [];

  function startDevice(ModbusClient: typeof ModbusRTU, device: ModbusDevice) {
    const settings = config.modbus as NonNullable<typeof config.modbus>;
    const status: AcquisitionDeviceStatus = {
      source: 'modbus',
      connected: false,
      frames: 0,
      errors: 0,
      dropped: 0,
      lastError: null,
      lastFrameAtMs: null,
    };
    statuses.set(device.deviceId, status);
    let client: ModbusRTU | undefined;
    let failures = 0;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let polling: Promise<void> | undefined;

    const disconnect = () => {
      const closing = client;
      client = undefined;
      status.connected = false;
      if (closing) {
        try {
          closing.destroy(() => {});
        } catch {
          // The socket is already gone.
        }
      }
    };

    async function poll(): Promise<void> {
      try {
        if (!client?.isOpen) {
          disconnect();
          const fresh = new ModbusClient();
          client = fresh;
          await withTimeout(
            fresh.connectTCP(device.host, { port: device.port, timeout: settings.pollTimeoutMs }),
            settings.pollTimeoutMs,
            `connecting to ${device.host}:${device.port}`,
          );
          fresh.setID(device.unitId);
          fresh.setTimeout(settings.pollTimeoutMs);
          status.connected = true;
        }
        const connected = client as ModbusRTU;
        const readings: Reading[] = [];
        for (const register of device.registers) {
          const length = wordCount(register);
          const read =
            register.function === 'holding'
              ? connected.readHoldingRegisters(register.address, length)
              : connected.readInputRegisters(register.address, length);
          const result = await withTimeout(
            read,
            settings.pollTimeoutMs,
            `reading ${register.function} register ${register.address}`,
          );
          const value = decodeRegister(register, result.data);
          if (!Number.isFinite(value)) throw new Error(`register ${register.address} holds no finite number`);
          readings.push(
            register.unit === undefined
              ? { kind: register.kind, value }
              : { kind: register.kind, value, unit: register.unit },
          );
        }
        if (stopped) return;
        const seq = attestSample(context, { deviceId: device.deviceId, readings, source: 'modbus' });
        if (seq === undefined) status.dropped++;
        else {
          status.frames++;
          status.lastFrameAtMs = context.clock();
        }
        failures = 0;
      } catch (error) {
        failures++;
        status.errors++;
        status.lastError = (error as Error).message;
        log.warn({ deviceId: device.deviceId, err: error, failures }, 'modbus poll failed');
        disconnect();
      }
    }

    function schedule(): void {
      if (stopped) return;
      const delayMs =
        failures === 0
          ? device.intervalMs
          : Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.min(failures - 1, 30));
      timer = setTimeout(() => {
        timer = undefined;
        polling = poll().finally(() => {
          polling = undefined;
          schedule();
        });
      }, delayMs);
    }

    polling = poll().finally(() => {
      polling = undefined;
      schedule();
    });
    loops.push({
      async pollNow() {
        if (polling) await polling;
        if (stopped) return;
        if (timer) clearTimeout(timer);
        timer = undefined;
        polling = poll().finally(() => {
          polling = undefined;
          schedule();
        });
        await polling;
      },
      async stop() {
        stopped = true;
        if (timer) clearTimeout(timer);
        if (polling) await polling.catch(() => {});
        if (timer) clearTimeout(timer);
        disconnect();
      },
    });
  }

  return {
    name: 'modbus-poll',
    status: () => Object.fromEntries(statuses),
    /** Poll every device once more now (tests and operators); resolves when the polls are done. */
    async pollNow() {
      await Promise.all(loops.map((loop) => loop.pollNow()));
    },
    async start() {
      if (!config.modbus) return;
      // Loaded only when configured, so an edge without Modbus does not pay for it.
      const { default: ModbusClient } = await import('modbus-serial');
      for (const device of config.modbus.devices) startDevice(ModbusClient, device);
    },
    async stop() {
      await Promise.all(loops.splice(0).map((loop) => loop.stop()));
    },
  };
}
