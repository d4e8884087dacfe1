/*
 * The small interfaces services take from the platform. The platform implements them over
 * Espruino's modules; unit tests hand services fakes of them. Shapes follow Espruino, not
 * Node: write() returns false and `drain` follows, data is a byte string, no destroy().
 */

export interface SocketError {
  code: number;
  message: string;
}

/** A TCP connection (accepted or outgoing). */
export interface Socket {
  write(data: string): boolean;
  end(data?: string): void;
  on(event: "data", cb: (data: string) => void): void;
  on(event: "drain" | "end", cb: () => void): void;
  on(event: "close", cb: (hadError: boolean) => void): void;
  on(event: "error", cb: (err: SocketError) => void): void;
}

export interface Closable {
  close(): void;
}

export interface RemoteInfo {
  address: string;
  port: number;
}

export interface Datagrams extends Closable {
  send(msg: string, port: number, address: string): void;
  on(event: "message", cb: (msg: string, rinfo: RemoteInfo) => void): void;
}

export interface Net {
  /** Listens on `port`; `onConnection` gets each accepted socket. Throws if the socket cannot be created. */
  listen(port: number, onConnection: (socket: Socket) => void): Closable;
  /** Binds a UDP socket on `port` (0: any port, for sending only). */
  udp(port: number): Datagrams;
}

/** What a service logs through: the device's console. */
export type Log = (line: string) => void;
