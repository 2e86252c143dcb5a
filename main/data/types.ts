/** One example of the code-generation task: a natural-language prompt and the code it asks for. */
export interface CodePair {
  src: string;
  tgt: string;
}
