export { ShuzhihuiEngine, createShuzhihuiEngine } from './shuzhihui-engine.js';
export { DEFAULT_PATHS, type EngineLogger, type ShuzhihuiConfig, type ShuzhihuiPaths } from './config.js';
