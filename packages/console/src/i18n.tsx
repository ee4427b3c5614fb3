// The console's strings in English and Chinese, and the language the page shows them in.
import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';
import { workspaceEn, workspaceZh } from './messages-workspace.ts';

/** The languages the console speaks. */
export type Language = 'en' | 'zh-CN';

const en = {
  appTitle: 'Fieldproof console',
  language: 'Language',
  sections: 'Sections',
  tabLedger: 'Ledger',
  tabFrames: 'Frames',
  tabDevices: 'Devices',
  loading: 'Loading…',
  loadFailed: 'Could not load',
  logSize: 'Log size',
  checkpointSize: 'Latest checkpoint size',
  finalCheckpointSize: 'Latest final checkpoint size',
  checkpointFinal: 'Latest checkpoint is final',
  yes: 'yes',
  no: 'no',
  witnesses: 'Witnesses',
  witnessThreshold: 'Cosignatures needed',
  witnessNone: 'No witnesses: every checkpoint counts as final.',
  witnessName: 'Witness',
  witnessKey: 'Public key',
  witnessCosigned: 'Cosigned up to size',
  checkpointNote: 'Latest checkpoint note',
  cosignatureLines: 'Cosignature lines',
  noCheckpoint: 'No checkpoint yet.',
  logSizeChart: 'Log size over this session',
  framesHeading: 'Latest frames',
  device: 'Device',
  seq: 'Seq',
  deviceTime: 'Device time',
  frameId: 'Frame',
  actions: 'Actions',
  verify: 'Verify',
  verifying: 'Verifying…',
  verifyFor: 'Verify frame',
  verifyResult: 'Verification in this browser',
  verified: 'Every check passed',
  notVerified: 'Verification failed',
  step: 'Check',
  result: 'Result',
  code: 'Code',
  message: 'Message',
  noFrames: 'No frames yet.',
  attestation: 'Signed by',
  edgeAttested: 'edge-attested',
  edgeAttestedHint: 'A keyless device (Modbus, OPC UA): its edge signed this frame on its behalf',
  deviceSigned: 'device-signed',
  devicesHeading: 'Registered devices',
  edgesHeading: 'Registered edges',
  algorithm: 'Algorithm',
  edge: 'Edge',
  lastSeq: 'Last seq',
  lastBatchSeq: 'Last batch seq',
  none: '—',
  ...workspaceEn,
};

/** A key of the string map. */
export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  appTitle: 'Fieldproof 控制台',
  language: '语言',
  sections: '栏目',
  tabLedger: '账本',
  tabFrames: '数据帧',
  tabDevices: '设备',
  loading: '加载中…',
  loadFailed: '无法加载',
  logSize: '日志大小',
  checkpointSize: '最新检查点大小',
  finalCheckpointSize: '最新终局检查点大小',
  checkpointFinal: '最新检查点已终局',
  yes: '是',
  no: '否',
  witnesses: '见证方',
  witnessThreshold: '所需联署数',
  witnessNone: '无见证方：每个检查点都视为终局。',
  witnessName: '见证方',
  witnessKey: '公钥',
  witnessCosigned: '已联署至大小',
  checkpointNote: '最新检查点签名文本',
  cosignatureLines: '联署行',
  noCheckpoint: '尚无检查点。',
  logSizeChart: '本次会话的日志大小',
  framesHeading: '最新数据帧',
  device: '设备',
  seq: '序号',
  deviceTime: '设备时间',
  frameId: '数据帧',
  actions: '操作',
  verify: '验证',
  verifying: '验证中…',
  verifyFor: '验证数据帧',
  verifyResult: '在本浏览器中验证',
  verified: '全部检查通过',
  notVerified: '验证失败',
  step: '检查项',
  result: '结果',
  code: '代码',
  message: '说明',
  noFrames: '尚无数据帧。',
  attestation: '签名方',
  edgeAttested: '边缘代签',
  edgeAttestedHint: '无密钥设备（Modbus、OPC UA）：由边缘网关代为签名',
  deviceSigned: '设备签名',
  devicesHeading: '已注册设备',
  edgesHeading: '已注册边缘网关',
  algorithm: '算法',
  edge: '边缘网关',
  lastSeq: '最后序号',
  lastBatchSeq: '最后批次序号',
  none: '—',
  ...workspaceZh,
};

const messages: Record<Language, Record<MessageKey, string>> = { en, 'zh-CN': zh };

/** zh-CN for a browser whose language starts with `zh`, English otherwise. */
export function defaultLanguage(browserLanguage: string | undefined): Language {
  return browserLanguage?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

interface I18n {
  language: Language;
  setLanguage(language: Language): void;
  t(key: MessageKey): string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

/** Provides the language and its strings to the console; starts from the browser's language. */
export function I18nProvider(props: { children: ReactNode }) {
  const [language, setLanguage] = useState<Language>(() => defaultLanguage(globalThis.navigator?.language));
  const value = useMemo<I18n>(() => ({ language, setLanguage, t: (key) => messages[language][key] }), [language]);
  return <I18nContext.Provider value={value}>{props.children}</I18nContext.Provider>;
}

/** The current language and its strings. Precondition: called under I18nProvider. */
export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n needs an I18nProvider above it');
  return value;
}
