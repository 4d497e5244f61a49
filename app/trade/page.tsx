import { TradePanel } from '@/components/trade/TradePanel';

export const metadata = { title: 'Trade · Counterpool' };

export default function TradePage() {
  return (
    <>
      <h1 className="sr-only">Trade perpetuals</h1>
      <TradePanel />
    </>
  );
}
