/** Input loaders: `.npy` arrays, PNG/JPEG image folders, seeded random inputs, the built-in samples. */
export { type NpyArray, type NpyData, type NpyDtype, loadNpy, parseNpy, encodeNpy, saveNpy, dtypeOf, shapeSize } from './npy.js';
export { toFloat32, toLabels } from './convert.js';
export {
  type ImageOptions,
  type ImageSet,
  type ImageListing,
  type RgbaImage,
  type ResizeMethod,
  decodeImage,
  isImageFile,
  listImageFolder,
  loadImageFiles,
  loadImageFolder,
  resizePlane,
} from './images.js';
export { DEFAULT_RANDOM_INPUTS, randomInputs } from './random.js';
export { type ImagePreprocessing, RESIZE_METHODS, imagePreprocessingFromFlags, parseChannelValues, parseImageScale, parseResizeMethod } from './image-options.js';
export { type InputSpec, type LoadedInputs, imageLayoutFor, loadInputs, fitSamples } from './inputs.js';
export { BUILTIN_CAMPAIGN, BUILTIN_SAMPLE_SHAPE, builtinCampaignDir, loadBuiltinSamples } from './builtin.js';
