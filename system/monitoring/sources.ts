// What other capabilities tell monitoring: services (issue "services"), mesh peers and the last backup. Each is
// optional; while one is not connected, its metrics are absent and its health check says so instead of guessing.

/** One deployed service as its manager sees it. */
export interface ServiceStatus {
  name: string;
  up: boolean;
  restarts: number;
  /** Why it is down, when it is. */
  detail?: string;
}

/** The service manager's side: list services, and restart one (the `restart` action of a health check). */
export interface ServiceSource {
  list(): Promise<ServiceStatus[]>;
  restart(name: string): Promise<void>;
}

/** Everything monitoring can be told about; set each with Monitoring.connect(). */
export interface MonitorSources {
  services?: ServiceSource;
  /** Connected mesh peers right now. */
  meshPeers?: () => Promise<number>;
  /** When the last backup succeeded, or null when none has. */
  lastBackup?: () => Promise<Date | null>;
}
