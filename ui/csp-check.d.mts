export declare function cspProblems(name: string, html: string): string[];
