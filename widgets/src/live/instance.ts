/**
 * The page's one registry of ntk-lab models. The plugin (which registers the model classes) and the mime
 * extension (which renders the outputs) are two entry points of one bundle, so both see this module once.
 */
import type { StreamModel } from '../models/stream-model';
import { ModelRegistry } from './registry';

export const liveModels = new ModelRegistry<StreamModel>();
