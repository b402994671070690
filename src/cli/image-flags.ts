import type { Command } from 'commander';

/** The flags of image preprocessing, shared by `profile` and `run-campaign` (src/data/image-options.ts parses them). */
export function addImageFlags(cmd: Command): Command {
  return cmd
    .option('--image-scale <x>', 'image inputs: pixel values 0..255 are multiplied by x (default 1/255)')
    .option('--image-mean <m[,m,m]>', 'image inputs: subtracted after scaling, one value or one per channel (default 0)')
    .option('--image-std <s[,s,s]>', 'image inputs: divides after the mean, one value or one per channel (default 1)')
    .option('--image-resize <method>', "image inputs: bilinear (default) or nearest, to the model's input size")
    .option('--image-size <w,h>', 'image inputs: width and height to resize to, for a model whose rows and columns are free (default: the first image\'s size)');
}

export interface ImageFlags {
  imageScale?: string;
  imageMean?: string;
  imageStd?: string;
  imageResize?: string;
  imageSize?: string;
}
