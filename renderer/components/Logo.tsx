// The mark: two nodes joined by a tunnel.

export function Logo({ size = 24 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" className="logo">
      <rect width="32" height="32" rx="8" fill="var(--accent)" />
      <path d="M9 16h14" stroke="#fff" strokeWidth="2.5" strokeLinecap="round" strokeDasharray="0.1 4.6" />
      <circle cx="8" cy="16" r="3.5" fill="#fff" />
      <circle cx="24" cy="16" r="3.5" fill="#fff" />
    </svg>
  );
}
