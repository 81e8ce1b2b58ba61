import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterByMatMul } from './packages/core/src/kernels/conv2dBackpropFilter.ts';
