import {
  IconFile,
  IconFileCode,
  IconFileText,
  IconFileTypePdf,
  IconFileZip,
  IconFolderFilled,
  IconMovie,
  IconMusic,
  IconPhoto,
} from '@tabler/icons-react';
import type { DriveNode } from './files.queries';

const BY_EXTENSION: [RegExp, typeof IconFile][] = [
  [/\.(zip|gz|tgz|bz2|xz|7z|rar|zst|tar)$/i, IconFileZip],
  [/\.(js|mjs|ts|tsx|jsx|json|py|rb|go|rs|java|c|h|cpp|sh|html?|css|xml|ya?ml|toml|sql)$/i, IconFileCode],
  [/\.(txt|md|csv|tsv|log|rtf|docx?|odt)$/i, IconFileText],
  [/\.pdf$/i, IconFileTypePdf],
];

export function NodeIcon(props: { node: Pick<DriveNode, 'kind' | 'name' | 'contentType'>; size?: number }) {
  const { node, size = 20 } = props;
  if (node.kind === 'folder')
    return <IconFolderFilled size={size} color="var(--mantine-color-yellow-6)" aria-hidden />;
  const type = node.contentType ?? '';
  let Icon = IconFile;
  if (type.startsWith('image/')) Icon = IconPhoto;
  else if (type.startsWith('video/')) Icon = IconMovie;
  else if (type.startsWith('audio/')) Icon = IconMusic;
  else if (type === 'application/pdf') Icon = IconFileTypePdf;
  else
    Icon =
      BY_EXTENSION.find(([pattern]) => pattern.test(node.name))?.[1] ??
      (type.startsWith('text/') ? IconFileText : IconFile);
  return <Icon size={size} color="var(--mantine-color-blue-6)" aria-hidden />;
}
