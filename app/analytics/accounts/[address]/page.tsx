import { AccountView } from '@/components/analytics/AccountView';

export const metadata = { title: 'Account · Counterpool' };

export default async function AccountPage({ params }: { params: Promise<{ address: string }> }) {
  const { address } = await params;
  return <AccountView address={address} />;
}
