import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ExchangeApi } from './lib/api';
import { loadRuntimeConfig } from './lib/config';
import { MarketFeed } from './lib/feed';
import './styles.css';

/** Addresses come from /config.json at run time, so one build serves every deployment. */
async function start(): Promise<void> {
  const config = await loadRuntimeConfig();
  const api = new ExchangeApi(config.apiUrl);
  const feed = new MarketFeed(config.socketUrl);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App api={api} feed={feed} />
    </StrictMode>,
  );
}

void start();
