// zeek.js - the vocabulary analysts know from Zeek's conn.log: conn_state
// meanings, history letters, TCP flag letters. Shown as labels and hover
// text so nobody has to look them up.

export const CONN_STATES = {
  S0: 'Connection attempt seen, no reply',
  S1: 'Established, not terminated',
  SF: 'Normal establishment and termination',
  REJ: 'Connection attempt rejected',
  S2: 'Established, close attempt by originator seen (no reply from responder)',
  S3: 'Established, close attempt by responder seen (no reply from originator)',
  RSTO: 'Established, originator aborted (sent a RST)',
  RSTR: 'Responder sent a RST',
  RSTOS0: 'Originator sent a SYN followed by a RST, no SYN-ACK from the responder',
  RSTRH: 'Responder sent a SYN-ACK followed by a RST, no SYN from the (purported) originator',
  SH: 'Originator sent a SYN followed by a FIN, no SYN-ACK from the responder (half open)',
  SHR: 'Responder sent a SYN-ACK followed by a FIN, no SYN from the originator',
  OTH: 'No SYN seen, just midstream traffic (or not TCP)',
};

/** Rough health class for colouring: good, warn, bad, neutral. */
export function connStateClass(s) {
  if (s === 'SF' || s === 'S1') return 'good';
  if (s === 'REJ' || s === 'S0' || s === 'RSTOS0' || s === 'RSTRH' || s === 'SH' || s === 'SHR') return 'bad';
  if (s === 'RSTO' || s === 'RSTR' || s === 'S2' || s === 'S3') return 'warn';
  return 'neutral';
}

const HISTORY = {
  s: 'SYN', h: 'SYN-ACK', a: 'pure ACK', d: 'packet with payload', f: 'FIN', r: 'RST',
  c: 'bad checksum', g: 'content gap', t: 'retransmitted payload', w: 'zero window',
  i: 'inconsistent packet', q: 'multi-flag packet', '^': 'direction flipped',
};

/** "ShADadFf" -> one line per letter: "S: originator SYN" ... */
export function explainHistory(history) {
  if (!history) return '';
  const out = [];
  for (const ch of history) {
    if (ch === '^') {
      out.push('^: connection direction flipped (responder was seen first)');
      continue;
    }
    const lower = ch.toLowerCase();
    const what = HISTORY[lower];
    if (!what) continue;
    const who = ch === lower ? 'responder' : 'originator';
    out.push(`${ch}: ${who} ${what}`);
  }
  return out.join('\n');
}

const FLAG_NAMES = { F: 'FIN', S: 'SYN', R: 'RST', P: 'PSH', A: 'ACK', U: 'URG', E: 'ECE', C: 'CWR', N: 'NS' };

/** "SA" -> "SYN, ACK" (tcpdump-style letters as in packets.tcp_flags). */
export function explainTcpFlags(flags) {
  if (!flags) return '';
  return Array.from(flags, (c) => FLAG_NAMES[c] || c).join(', ');
}

export const TRANSPORTS = ['tcp', 'udp', 'icmp', 'icmp6', 'arp', 'other'];
