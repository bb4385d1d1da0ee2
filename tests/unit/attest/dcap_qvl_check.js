// Verify a tdx-emu quote with @phala/dcap-qvl (an independent DCAP verifier,
// JavaScript), given the root CA and the collateral `tdxctl pki export` wrote.
// Usage: node dcap_qvl_check.js QUOTE COLLATERAL_DIR
// Prints the TCB status; exits 1 when the verifier throws.
'use strict';
const fs = require('fs');
const path = require('path');
const { QuoteVerifier } = require('@phala/dcap-qvl');

const [quoteFile, dir] = process.argv.slice(2);
const read = (name) => fs.readFileSync(path.join(dir, name));

// A PCS response body is {"<key>":<object>,"signature":"<hex>"}; the verifier
// takes the object's exact bytes and the signature apart, as PCCS clients do.
function split(name, key) {
  const text = read(name).toString('utf-8');
  const prefix = `{"${key}":`;
  const sigAt = text.lastIndexOf(',"signature":"');
  if (!text.startsWith(prefix) || sigAt < 0) throw new Error(`${name}: unexpected layout`);
  return {
    body: text.slice(prefix.length, sigAt),
    signature: JSON.parse(text).signature,
  };
}

const pemToDer = (pem) =>
  Buffer.from(pem.toString().replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

const tcb = split('tcb-info.json', 'tcbInfo');
const qe = split('qe-identity.json', 'enclaveIdentity');
const chain = read('tcb-signing-chain.pem').toString();
const collateral = {
  pck_crl_issuer_chain: read('pck-crl-issuer-chain.pem').toString(),
  root_ca_crl: read('root-ca-crl.der').toString('hex'),
  pck_crl: read('pck-crl.der').toString('hex'),
  tcb_info_issuer_chain: chain,
  tcb_info: tcb.body,
  tcb_info_signature: tcb.signature,
  qe_identity_issuer_chain: chain,
  qe_identity: qe.body,
  qe_identity_signature: qe.signature,
};
const verifier = QuoteVerifier.newWithRootCa(pemToDer(read('root-ca.pem')));
try {
  const result = verifier.verify(fs.readFileSync(quoteFile), collateral, Date.now() / 1000);
  console.log(`dcap-qvl: TCB status ${result.status}`);
  process.exit(result.status === 'UpToDate' ? 0 : 1);
} catch (e) {
  console.log(`dcap-qvl: refused: ${e.message}${e.cause ? ` (${e.cause.message})` : ''}`);
  process.exit(1);
}
