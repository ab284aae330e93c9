// Tests inspect response bodies loosely; the generated client gives typed access where it matters.
export const json = (res: Response): Promise<any> => res.json() as Promise<any>;
