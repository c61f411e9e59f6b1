export declare const glibcTunables: string;
export declare const launcherLines: readonly string[];
