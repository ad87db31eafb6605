import { render } from 'solid-js/web';
import { App } from './App.tsx';
import { locale } from './i18n/index.ts';
import { applyTheme } from './stores/theme.ts';
import './styles.css';

document.documentElement.lang = locale();
applyTheme();
const root = document.getElementById('root');
if (!root) throw new Error('index.html must contain #root');
render(() => <App />, root);
