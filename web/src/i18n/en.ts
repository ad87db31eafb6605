/** English message catalog: the reference set of keys every other language must match. */
export const en = {
  'app.name': 'Kiban',
  'app.tagline': 'Data-center infrastructure',
  'app.signedInAs': 'Signed in as {name} ({role})',
  'app.signOut': 'Sign out',
  'app.language': 'Language',
  'app.loading': 'Loading…',
  'app.none': '—',

  'signIn.title': 'Sign in to Kiban',
  'signIn.intro': 'Enter an API token. `kiban demo` prints one when it starts; otherwise ask your administrator.',
  'signIn.tokenLabel': 'API token',
  'signIn.submit': 'Sign in',
  'signIn.submitting': 'Signing in…',
  'signIn.rejected': 'The token was not accepted. Check it and try again.',
  'signIn.checking': 'Checking your session…',

  'connection.connecting': 'Connecting',
  'connection.live': 'Live',
  'connection.reconnecting': 'Reconnecting',
  'connection.closed': 'Offline',

  'error.title': 'The server answered with an error',
  'error.network': 'Cannot reach the Kiban server.',
  'error.retry': 'Retry',
  'error.dismiss': 'Dismiss',

  'ups.pageTitle': 'UPS',
  'ups.noDevices': 'No UPS is registered yet. Once a collector reports one, it appears here.',
  'ups.select': 'Device',
  'device.model': 'Model',
  'device.address': 'Address',
  'device.protocol': 'Protocol',
  'device.site': 'Site',

  'points.title': 'Points',
  'points.metric': 'Metric',
  'points.value': 'Latest value',
  'points.quality': 'Quality',
  'points.age': 'Age',
  'points.empty': 'This device has no points yet.',
  'points.noSample': 'no data',

  'quality.ok': 'OK',
  'quality.stale': 'Stale',
  'quality.comm_loss': 'Comm loss',
  'quality.sentinel': 'Invalid reading',
  'quality.out_of_range': 'Out of range',
  'quality.unknown': 'Unknown',

  'chart.title': 'Output power and load',
  'chart.window': 'Last 15 minutes',
  'chart.power': 'Output power',
  'chart.load': 'Output load',
  'chart.time': 'Time',
  'chart.noRolePoints': 'This UPS reports no point with role ups.output.power or ups.output.load.',
  'chart.zoomHint': 'Drag to zoom, double-click to return to live view.',
  'chart.zoomed': 'Zoomed — double-click the chart to follow live data again.',
} as const satisfies Record<string, string>;

export type MessageKey = keyof typeof en;
