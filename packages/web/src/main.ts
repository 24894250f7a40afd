// The dashboard's entry in the browser.
import './style.css';
import { App } from './ui/app.js';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');
new App(root).start();
