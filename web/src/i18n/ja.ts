/** Japanese message catalog. The type forces the same keys as the English one. */
import type { MessageKey } from './en.ts';

export const ja: Record<MessageKey, string> = {
  'app.name': 'Kiban',
  'app.tagline': 'データセンター基盤管理',
  'app.signedInAs': '{name}（{role}）としてサインイン中',
  'app.signOut': 'サインアウト',
  'app.language': '言語',
  'app.loading': '読み込み中…',
  'app.none': '—',

  'signIn.title': 'Kiban にサインイン',
  'signIn.intro': 'API トークンを入力してください。`kiban demo` は起動時にトークンを表示します。それ以外の場合は管理者にお問い合わせください。',
  'signIn.tokenLabel': 'API トークン',
  'signIn.submit': 'サインイン',
  'signIn.submitting': 'サインイン中…',
  'signIn.rejected': 'トークンが受け付けられませんでした。確認してもう一度お試しください。',
  'signIn.checking': 'セッションを確認しています…',

  'connection.connecting': '接続中',
  'connection.live': 'ライブ',
  'connection.reconnecting': '再接続中',
  'connection.closed': 'オフライン',

  'error.title': 'サーバーがエラーを返しました',
  'error.network': 'Kiban サーバーに接続できません。',
  'error.retry': '再試行',
  'error.dismiss': '閉じる',

  'ups.pageTitle': 'UPS',
  'ups.noDevices': 'UPS はまだ登録されていません。コレクターが報告すると、ここに表示されます。',
  'ups.select': '機器',
  'device.model': '型式',
  'device.address': 'アドレス',
  'device.protocol': 'プロトコル',
  'device.site': 'サイト',

  'points.title': '計測ポイント',
  'points.metric': 'メトリック',
  'points.value': '最新値',
  'points.quality': '品質',
  'points.age': '経過時間',
  'points.empty': 'この機器にはまだ計測ポイントがありません。',
  'points.noSample': 'データなし',

  'quality.ok': '正常',
  'quality.stale': '更新停止',
  'quality.comm_loss': '通信断',
  'quality.sentinel': '無効値',
  'quality.out_of_range': '範囲外',
  'quality.unknown': '不明',

  'chart.title': '出力電力と負荷率',
  'chart.window': '直近 15 分',
  'chart.power': '出力電力',
  'chart.load': '出力負荷率',
  'chart.time': '時刻',
  'chart.noRolePoints': 'この UPS には role が ups.output.power または ups.output.load のポイントがありません。',
  'chart.zoomHint': 'ドラッグで拡大、ダブルクリックでライブ表示に戻ります。',
  'chart.zoomed': '拡大表示中 — グラフをダブルクリックするとライブ表示に戻ります。',
};
