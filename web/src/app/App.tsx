import { Center, Loader, Stack, Text } from '@mantine/core';
import { Navigate, Route, Routes, useLocation, useParams } from 'react-router';
import { AccountPage } from '../features/account/AccountPage';
import { AuthPage } from '../features/account/AuthPage';
import { useMe } from '../features/account/account.queries';
import { AdminPage } from '../features/admin/AdminPage';
import { FilesPage } from '../features/files/FilesPage';
import { TrashPage } from '../features/files/TrashPage';
import { PublicPage } from '../features/public/PublicPage';
import { RecentPage, SearchResultsPage, StarredPage } from '../features/search/FoundListPage';
import { SharedLinksPage } from '../features/shares/SharedLinksPage';
import { SharedWithMePage } from '../features/shares/SharedWithMePage';
import { DropOverlay } from '../features/uploads/DropOverlay';
import { UploadPanel } from '../features/uploads/UploadPanel';
import { UploadsProvider } from '../features/uploads/UploadsProvider';
import { AppLayout } from '../ui/AppLayout';
import { errorMessage } from './api-client';

export function App() {
  return (
    <Routes>
      <Route path="/s/:token" element={<PublicPage />} />
      <Route path="*" element={<Drive />} />
    </Routes>
  );
}

/** Everything behind signing in. */
function Drive() {
  const me = useMe();
  const location = useLocation();

  if (me.isPending) {
    return (
      <Center mih="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (me.isError) {
    return (
      <Center mih="100vh">
        <Stack align="center">
          <Text fw={700}>Fileshare can’t be reached</Text>
          <Text c="dimmed">{errorMessage(me.error)}</Text>
        </Stack>
      </Center>
    );
  }
  const user = me.data;
  if (!user) {
    return (
      <Routes>
        <Route path="/login" element={<AuthPage mode="login" />} />
        <Route path="/signup" element={<AuthPage mode="register" />} />
        <Route path="*" element={<Navigate to="/login" replace state={{ from: location.pathname }} />} />
      </Routes>
    );
  }
  const from = (location.state as { from?: string } | null)?.from;
  return (
    <UploadsProvider key={user.id}>
      <AppLayout user={user}>
        <Routes>
          <Route path="/" element={<FolderRoute />} />
          <Route path="/folders/:folderId" element={<FolderRoute />} />
          <Route path="/shared" element={<SharedLinksPage />} />
          <Route path="/shared-with-me" element={<SharedWithMePage myId={user.id} />} />
          <Route path="/trash" element={<TrashPage />} />
          <Route path="/recent" element={<RecentPage />} />
          <Route path="/starred" element={<StarredPage />} />
          <Route path="/search" element={<SearchResultsPage />} />
          <Route path="/account" element={<AccountPage user={user} />} />
          <Route
            path="/admin"
            element={user.isAdmin ? <AdminPage me={user} /> : <Navigate to="/" replace />}
          />
          <Route path="/login" element={<Navigate to={from && from !== '/login' ? from : '/'} replace />} />
          <Route path="/signup" element={<Navigate to="/" replace />} />
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </AppLayout>
      <UploadPanel />
    </UploadsProvider>
  );
}

function FolderRoute() {
  const folderId = useParams().folderId ?? 'root';
  return (
    <>
      <FilesPage key={folderId} />
      <DropOverlay folderId={folderId} folderName={folderId === 'root' ? 'My files' : 'this folder'} />
    </>
  );
}
