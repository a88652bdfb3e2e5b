import { createApp } from 'vue';
import App from './App.vue';
import { auth, resumeSession } from './lib/api';
import { i18n, initialLanguage } from './i18n';
import { router } from './router';

const language = initialLanguage();
i18n.global.locale.value = language;
auth.language = language;
document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
resumeSession();

createApp(App).use(i18n).use(router).mount('#app');
