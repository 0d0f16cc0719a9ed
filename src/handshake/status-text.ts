/**
 * Reason phrases (RFC 9110 §15, plus RFC 6585's 428/429/431/511 and RFC 7725's 451) for the
 * statuses rxws may send. A reason phrase carries no meaning on the wire (RFC 9112 §4); these
 * are the conventional ones so logs and browsers' dev tools read naturally.
 */
const STATUS_TEXT: ReadonlyMap<number, string> = new Map<number, string>([
  [101, 'Switching Protocols'],
  [200, 'OK'],
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [402, 'Payment Required'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [406, 'Not Acceptable'],
  [407, 'Proxy Authentication Required'],
  [408, 'Request Timeout'],
  [409, 'Conflict'],
  [410, 'Gone'],
  [411, 'Length Required'],
  [412, 'Precondition Failed'],
  [413, 'Content Too Large'],
  [414, 'URI Too Long'],
  [415, 'Unsupported Media Type'],
  [416, 'Range Not Satisfiable'],
  [417, 'Expectation Failed'],
  [421, 'Misdirected Request'],
  [422, 'Unprocessable Content'],
  [426, 'Upgrade Required'],
  [428, 'Precondition Required'],
  [429, 'Too Many Requests'],
  [431, 'Request Header Fields Too Large'],
  [451, 'Unavailable For Legal Reasons'],
  [500, 'Internal Server Error'],
  [501, 'Not Implemented'],
  [502, 'Bad Gateway'],
  [503, 'Service Unavailable'],
  [504, 'Gateway Timeout'],
  [505, 'HTTP Version Not Supported'],
  [511, 'Network Authentication Required'],
]);

/**
 * The reason phrase for `status`; for a status without a registered phrase, the name of its
 * class ("Client Error", "Server Error", ...) so the status line is never empty.
 */
export function statusText(status: number): string {
  const known = STATUS_TEXT.get(status);
  if (known !== undefined) return known;
  if (status >= 100 && status < 200) return 'Informational';
  if (status >= 200 && status < 300) return 'Success';
  if (status >= 300 && status < 400) return 'Redirection';
  if (status >= 400 && status < 500) return 'Client Error';
  return 'Server Error';
}
