import { render } from 'solid-js/web';
import { App } from './App.tsx';
import { locale } from './i18n/index.ts';
import './styles.css';

document.documentElement.lang = locale();
const root = document.getElementById('root');
if (!root) throw new Error('index.html must contain #root');
render(() => <App />, root);
