// Tests read fields of answers loosely here; the shape is not trusted blindly: every JSON answer of
// a test app was already checked, strictly, against the schema the OpenAPI document declares for
// its operation and status (test/support/schema/), and an undeclared field failed the fetch.
export const json = (res: Response): Promise<any> => res.json() as Promise<any>;
