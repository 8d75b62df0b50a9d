import { render } from 'preact';

import { App } from './app.tsx';
import { interceptLinks } from './lib/router.ts';
import './styles.css';

const root = document.getElementById('app') as HTMLElement;
interceptLinks(document.body);
render(<App />, root);
