/**
 * Gradient functions. tfjs-core's Node bundle (dist/tf-core.node.js) registers none, so `tf.grad`
 * fails with "gradient function not found for Sum"; its ESM sources cannot be loaded by Node
 * (extensionless imports). The @tensorflow/tfjs package's Node bundle registers them all on the
 * shared tfjs-core (same package instance, global registry), so importing it once is enough.
 */
import '@tensorflow/tfjs';
